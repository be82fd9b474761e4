/** One logger per module, named after it (as mediasoup does). Info lines are silent under tests unless DEBUG is set. */
export interface Logger {
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string, ...args: unknown[]): void;
}

const env = typeof process === 'undefined' ? {} : process.env;
const quiet = env.VITEST !== undefined && !env.DEBUG;

export function createLogger(name: string): Logger {
  const prefix = `[${name}]`;
  return {
    info: (message, ...args) => {
      if (!quiet) console.log(prefix, message, ...args);
    },
    warn: (message, ...args) => console.warn(prefix, message, ...args),
    error: (message, ...args) => console.error(prefix, message, ...args),
  };
}
