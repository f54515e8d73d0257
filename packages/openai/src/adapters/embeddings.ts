import { attributes as A } from '@lazytrace/core';
import type { Adapter, StreamAccumulator } from '../adapter.js';
import * as O from '../attributes.js';
import { reportModel, reportParameters, reportUsage, toUsage } from '../report.js';
import { requestParameters } from './parameters.js';

/**
 * `embeddings.create`. The recorded output is a summary (how many vectors, of which dimension):
 * the vectors themselves are numbers nobody reads in a trace, and would fill the capture budget.
 */
export const embeddingsAdapter: Adapter = {
  operation: A.GEN_AI_OPERATION_EMBEDDINGS,
  apiType: undefined,
  input: (body) => body.input,
  request(body, ctx, attributes) {
    reportParameters(ctx, requestParameters(body, attributes));
    // The SDK asks for base64 on the wire when the caller did not choose; what the caller asked
    // for (floats, by default) is what is recorded.
    attributes[O.GEN_AI_REQUEST_ENCODING_FORMATS] = [
      typeof body.encoding_format === 'string' ? body.encoding_format : 'float',
    ];
  },
  result(value, ctx, attributes) {
    const response = value as { model?: unknown; usage?: unknown; data?: Array<{ embedding?: unknown }> };
    if (response === null || typeof response !== 'object') return value;
    reportModel(ctx, { response: response.model as string | undefined });
    reportUsage(ctx, toUsage(response.usage));
    const data = Array.isArray(response.data) ? response.data : [];
    const first = data[0]?.embedding as { length?: unknown } | string | undefined;
    const dimensions =
      typeof first === 'object' && first !== null && typeof first.length === 'number'
        ? first.length
        : undefined;
    if (dimensions !== undefined) attributes[O.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = dimensions;
    return { embeddings: data.length, dimensions };
  },
  // Embeddings are never streamed.
  stream: (): StreamAccumulator => ({ add: () => 0, finish: () => undefined }),
};
