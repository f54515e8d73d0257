declare module '@elastic/mockotlpserver' {
  export class MockOtlpServer {
    constructor(options: {
      services?: Array<'http' | 'grpc' | 'ui'>;
      httpHostname?: string;
      httpPort?: number;
      logLevel?: string;
      log?: unknown;
      onTrace?: (request: unknown) => void;
    });
    httpUrl: URL | string | null;
    start(): Promise<void>;
    close(): Promise<void>;
  }
  export function normalizeTrace(request: unknown): unknown;
}
