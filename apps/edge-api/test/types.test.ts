/**
 * The client in @autoencoders/modelkit declares the wire types by hand (modelkit does not depend on
 * zod); these compile-time checks fail `pnpm typecheck` when they drift from the worker's schemas.
 */
import type {
  WireDenoise,
  WireEncode,
  WireHealth,
  WireImages,
  WireManifold,
  WireModel,
  WireModelList,
} from '@autoencoders/modelkit';
import { expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type * as schemas from '../src/schemas.ts';

it('the client wire types match the response schemas', () => {
  expectTypeOf<z.output<typeof schemas.ModelList>>().toEqualTypeOf<WireModelList>();
  expectTypeOf<z.output<typeof schemas.ModelSummary>>().toEqualTypeOf<WireModel>();
  expectTypeOf<z.output<typeof schemas.ImagesResult>>().toEqualTypeOf<WireImages>();
  expectTypeOf<z.output<typeof schemas.DenoiseResult>>().toEqualTypeOf<WireDenoise>();
  expectTypeOf<z.output<typeof schemas.EncodeResult>>().toEqualTypeOf<WireEncode>();
  expectTypeOf<z.output<typeof schemas.ManifoldResult>>().toEqualTypeOf<WireManifold>();
  expectTypeOf<z.output<typeof schemas.Health>>().toEqualTypeOf<WireHealth>();
});
