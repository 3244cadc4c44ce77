import { Client } from 'pg';

type ConnectCallback = ((err: Error) => void) | ((err: null, c: Client) => void);

/**
 * A pg Client that closes its socket when connecting fails. pg leaves the socket open after an
 * error it raises itself while connecting (the server asks for a password the URL does not give),
 * and pg-pool drops a client that failed to connect without ending it: that socket kept the process
 * alive until the server gave up on the login (authentication_timeout, 60 s by default).
 */
export class ClosingClient extends Client {
  override connect(): Promise<Client>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<Client> | void {
    const failed = (e: Error) => {
      this.connection.stream.destroy();
      return readable(e);
    };
    if (callback === undefined)
      return super.connect().catch((e: Error) => Promise.reject(failed(e)));
    // pg calls back with (error) or (null, client): one function type for both.
    const done = callback as (err: Error | null, c?: Client) => void;
    super.connect((err: Error | null, c?: Client) => (err ? done(failed(err)) : done(null, c)));
  }
}

/** pg's words for a missing password name its SCRAM internals, not what the user must do. */
function readable(e: Error): Error {
  return /client password must be a (non-empty )?string/.test(e.message)
    ? new Error(
        'the server asks for a password and none was given: put it in the URL (postgres://user:PASSWORD@host/db) or in PGPASSWORD',
      )
    : e;
}
