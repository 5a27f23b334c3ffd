// Why a listener (`ltv serve`'s port, the worker's metrics port) could not start, in one line naming the
// setting to change: Node's own `listen EADDRINUSE` names none, and reached the user as "internal error".
import { AppError } from '../config/AppError.js';

export interface ListenSettings {
  host: string;
  port: number;
  /** How the user sets each: `--port`, `LTV_METRICS_PORT`; `--host`, `LTV_METRICS_HOST`. */
  portSetting: string;
  hostSetting: string;
  /** After "host:port is in use": who is likely there and what to do. */
  inUse: string;
}

/** The one line for a listen error of `s`; null for an error that is no matter of these settings. */
export function listenError(e: NodeJS.ErrnoException, s: ListenSettings): AppError | null {
  switch (e.code) {
    case 'EADDRINUSE':
      return new AppError('CONFIG', `${s.portSetting} ${s.port}: ${s.host}:${s.port} is in use ${s.inUse}`);
    case 'EACCES':
      return new AppError('CONFIG', `${s.portSetting} ${s.port}: not allowed to listen on ${s.host}:${s.port} (ports below 1024 need privileges): give a port from 1024 up`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new AppError('CONFIG', `${s.hostSetting} ${s.host}: not an address of this machine: give 127.0.0.1, 0.0.0.0 (every interface) or one of its addresses`);
    default:
      return null;
  }
}
