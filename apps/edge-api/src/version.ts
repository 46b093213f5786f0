/** The API's version: the package's, so one bump changes the OpenAPI document and every cache tag. */
import pkg from '../package.json';

export const API_VERSION: string = pkg.version;
