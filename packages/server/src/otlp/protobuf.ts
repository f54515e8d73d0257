import protobuf from 'protobufjs';
import { OTLP_TRACE_PROTOS } from './proto-definitions.js';

/**
 * `google.rpc.Status`, the body OTLP/HTTP answers failures with. Only the two fields we write;
 * `details` (field 3, repeated Any) is never sent.
 */
const RPC_STATUS_PROTO = `
syntax = "proto3";
package google.rpc;
message Status {
  int32 code = 1;
  string message = 2;
}
`;

interface OtlpTypes {
  request: protobuf.Type;
  response: protobuf.Type;
  status: protobuf.Type;
}

let types: OtlpTypes | undefined;

/** Parsed once, at the first protobuf request (a JSON-only service never pays for it). */
function otlpTypes(): OtlpTypes {
  if (types !== undefined) return types;
  const root = new protobuf.Root();
  for (const source of Object.values(OTLP_TRACE_PROTOS)) protobuf.parse(source, root);
  protobuf.parse(RPC_STATUS_PROTO, root);
  root.resolveAll();
  types = {
    request: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
    response: root.lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'),
    status: root.lookupType('google.rpc.Status'),
  };
  return types;
}

/**
 * Decodes a protobuf `ExportTraceServiceRequest` into the object shape of its OTLP/JSON form
 * (camelCase fields, int64 as decimal strings, bytes as `Uint8Array`), which
 * `fromOtlpRequest` of @lazytrace/traces reads. Throws on a malformed or truncated body.
 */
export function decodeExportRequest(body: Uint8Array): Record<string, unknown> {
  const { request } = otlpTypes();
  const message = request.decode(body);
  return request.toObject(message, { longs: String, enums: Number, bytes: Uint8Array, arrays: false });
}

/** Encodes an `ExportTraceServiceResponse` (empty on full success). */
export function encodeExportResponse(partial?: { rejectedSpans: number; errorMessage: string }): Uint8Array {
  const { response } = otlpTypes();
  const value = partial === undefined ? {} : { partialSuccess: partial };
  return response.encode(response.fromObject(value)).finish();
}

/** Encodes a `google.rpc.Status` for an error answer to a protobuf request. */
export function encodeRpcStatus(code: number, message: string): Uint8Array {
  const { status } = otlpTypes();
  return status.encode(status.fromObject({ code, message })).finish();
}

/** For tests and tools: encode a request object (OTLP/JSON-shaped) as protobuf. */
export function encodeExportRequest(value: Record<string, unknown>): Uint8Array {
  const { request } = otlpTypes();
  return request.encode(request.fromObject(value)).finish();
}

/** For tests: decode a response body. */
export function decodeExportResponse(body: Uint8Array): Record<string, unknown> {
  const { response } = otlpTypes();
  return response.toObject(response.decode(body), { longs: Number });
}

/** For tests: decode a `google.rpc.Status` body. */
export function decodeRpcStatus(body: Uint8Array): { code?: number; message?: string } {
  const { status } = otlpTypes();
  return status.toObject(status.decode(body)) as { code?: number; message?: string };
}
