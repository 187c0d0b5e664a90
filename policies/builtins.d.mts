/** Builtins Elava's policies use that the JavaScript WebAssembly runtime lacks. */
export declare const customBuiltins: Record<string, (...args: unknown[]) => unknown>;
