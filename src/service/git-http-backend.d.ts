// git-http-backend ships no types: a duplex stream factory (url, callback(err, service)).
declare module 'git-http-backend' {
  import type { Duplex } from 'node:stream';
  function backend(url: string, cb: (err: Error | null, service: any) => void): Duplex;
  export default backend;
}
