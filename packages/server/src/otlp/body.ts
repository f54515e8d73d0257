import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

/** An HTTP failure with its status, for the receiver to answer. */
export class BodyError extends Error {
  readonly status: 400 | 413 | 415;
  constructor(status: 400 | 413 | 415, message: string) {
    super(message);
    this.status = status;
  }
}

/** The client went away before its body arrived: nothing to answer. */
export class ClientGoneError extends Error {}

/**
 * Reads a request body of at most `limit` bytes. Beyond the limit the rest is read and discarded
 * (up to `drainLimit`, so a client can still read our 413 instead of a reset connection), then a
 * 413 is thrown. A client that disconnects mid-body rejects with ClientGoneError.
 */
export function readBody(incoming: IncomingMessage, limit: number, drainLimit = limit * 4): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    const declared = Number(incoming.headers['content-length']);
    if (Number.isFinite(declared) && declared > drainLimit) {
      incoming.resume();
      reject(new BodyError(413, `request body of ${declared} bytes is over the limit of ${limit} bytes`));
      return;
    }
    const cleanup = () => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('aborted', onAborted);
      incoming.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > drainLimit) {
        cleanup();
        incoming.resume();
        reject(new BodyError(413, `request body is over the limit of ${limit} bytes`));
        return;
      }
      if (size > limit) {
        over = true;
        chunks.length = 0;
      }
      if (!over) chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      if (over)
        reject(new BodyError(413, `request body of ${size} bytes is over the limit of ${limit} bytes`));
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new ClientGoneError(error.message));
    };
    const onAborted = () => {
      cleanup();
      reject(new ClientGoneError('the client disconnected before sending the whole body'));
    };
    const onClose = () => {
      if (!incoming.complete) onAborted();
    };
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('aborted', onAborted);
    incoming.on('close', onClose);
  });
}

/**
 * Undoes `Content-Encoding` (gzip, deflate or none). The decompressed size is capped by zlib
 * itself (`maxOutputLength`), so a small gzip bomb costs at most `limit` bytes of memory.
 */
export async function decodeContent(
  body: Buffer,
  encoding: string | undefined,
  limit: number,
): Promise<Buffer> {
  const coding = (encoding ?? 'identity').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return body;
  if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== 'deflate') {
    throw new BodyError(415, `unsupported Content-Encoding "${coding}" (use gzip or none)`);
  }
  try {
    return coding === 'deflate'
      ? await inflateAsync(body, { maxOutputLength: limit })
      : await gunzipAsync(body, { maxOutputLength: limit });
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    if (err.code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
      throw new BodyError(413, `decompressed request body is over the limit of ${limit} bytes`);
    }
    throw new BodyError(400, `request body is not valid ${coding}: ${err.message}`);
  }
}
