/**
 * What the API sends and accepts, as the contract (apps/edge-api/openapi.json) defines it. Nothing here
 * is written by hand: every type is looked up in the generated file, so a route change that is
 * regenerated but not followed here fails to compile.
 */
import type { components, operations, paths } from './generated/openapi.ts';

export type { components, operations, paths };

type Schemas = components['schemas'];

/** An RFC 9457 problem, as every error response of the API carries it. */
export type ProblemDetails = Schemas['Problem'];
export type WireModelList = Schemas['ModelList'];
export type WireModel = Schemas['Model'];
export type WireImages = Schemas['ImagesResult'];
export type WireDenoise = Schemas['DenoiseResult'];
export type WireEncode = Schemas['EncodeResult'];
export type WireManifold = Schemas['ManifoldResult'];
export type WireHealth = Schemas['Health'];

/** The ids the contract lists; the API may serve others later, so methods take any string too. */
export type ModelId = WireModel['id'];
export type ModelName = ModelId | (string & {});

export type OperationId = keyof operations;

/** The JSON body of an operation's request. */
export type JsonRequest<Op extends OperationId> =
  NonNullable<operations[Op]['requestBody']> extends { content: { 'application/json': infer Body } }
    ? Body
    : never;

/** The JSON body of an operation's answer with `status`. */
export type JsonResponse<
  Op extends OperationId,
  Status extends keyof operations[Op]['responses'] = 200 & keyof operations[Op]['responses'],
> = operations[Op]['responses'][Status] extends { content: { 'application/json': infer Body } }
  ? Body
  : never;

/** An operation's query parameters. */
export type Query<Op extends OperationId> = NonNullable<operations[Op]['parameters']['query']>;

/** An operation's path parameters. */
export type PathParams<Op extends OperationId> = NonNullable<operations[Op]['parameters']['path']>;

/** A path of the contract with its `{name}` parameters filled in, URL-encoded. */
export function fillPath<P extends keyof paths>(template: P, params: Record<string, string> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new TypeError(`${template}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
}
