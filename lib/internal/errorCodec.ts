/**
 * Carries exceptions across a thread or process boundary whole.
 *
 * Structured clone keeps an Error's message and (for built-in classes) its
 * class, but drops `code`, `errno` and every other own property, and Piscina
 * passes whatever it gets. So the far side encodes what it caught into a
 * plain object, and this side rebuilds it: same built-in class, `name`,
 * `message`, far-side `stack`, `cause` chain, own enumerable properties and
 * `errors` of an AggregateError. Thrown non-Errors arrive as they were thrown.
 */

/** An encoded exception: a plain, structured-clonable object. */
export type EncodedError =
  | { readonly kind: 'error'; ctor: string; name: string; message: string; stack?: string; cause?: EncodedError; hasCause: boolean; props: Record<string, unknown>; errors?: EncodedError[] }
  | { readonly kind: 'value'; value: unknown };

const kBuiltins: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

// Depth guard: a cause cycle must not hang the encoder.
const kMaxDepth = 16;

/** Encodes anything thrown, on the side that caught it. */
export function encodeError(thrown: unknown, depth = 0): EncodedError {
  try {
    return encodeWhole(thrown, depth);
  } catch (err) {
    // Reading the exception threw (a throwing getter, a revoked proxy): send what can be read.
    return {
      kind: 'error',
      ctor: 'Error',
      name: safeString(() => (thrown as Error).name, 'Error'),
      message: `${safeString(() => (thrown as Error).message, '')} (rxfutures could not read all of this exception: ${safeString(() => (err as Error).message, 'unknown reason')})`,
      stack: safeString(() => (thrown as Error).stack, ''),
      hasCause: false,
      props: {},
    };
  }
}

function encodeWhole(thrown: unknown, depth: number): EncodedError {
  if (!(thrown instanceof Error) || depth > kMaxDepth) {
    return { kind: 'value', value: cloneableOrDescription(thrown) };
  }
  const props: Record<string, unknown> = {};
  for (const key of Object.keys(thrown)) {
    if (key === 'cause' || key === 'errors' || key === 'name' || key === 'message' || key === 'stack') continue;
    let value: unknown;
    try {
      value = (thrown as unknown as Record<string, unknown>)[key];
    } catch (err) {
      value = `[unreadable: ${safeString(() => (err as Error).message, 'getter threw')}]`;
    }
    props[key] = cloneableOrDescription(value);
  }
  const hasCause = 'cause' in thrown;
  const encoded: EncodedError = {
    kind: 'error',
    ctor: builtinName(thrown),
    name: String(thrown.name),
    message: String(thrown.message),
    stack: typeof thrown.stack === 'string' ? thrown.stack : undefined,
    hasCause,
    props,
  };
  if (hasCause) encoded.cause = encodeError(thrown.cause, depth + 1);
  if (thrown instanceof AggregateError && Array.isArray(thrown.errors)) {
    encoded.errors = thrown.errors.map((e) => encodeError(e, depth + 1));
  }
  return encoded;
}

function safeString(read: () => unknown, fallback: string): string {
  try {
    const value = read();
    return value === undefined ? fallback : String(value);
  } catch {
    return fallback;
  }
}

/** Rebuilds an exception encoded by {@link encodeError}, in this realm. */
export function decodeError(encoded: EncodedError): unknown {
  if (encoded.kind === 'value') return encoded.value;
  const cause = encoded.hasCause && encoded.cause !== undefined ? decodeError(encoded.cause) : undefined;
  const options = encoded.hasCause ? { cause } : undefined;
  let error: Error;
  if (encoded.ctor === 'AggregateError') {
    error = new AggregateError((encoded.errors ?? []).map(decodeError), encoded.message, options);
  } else {
    const Ctor = kBuiltins[encoded.ctor] ?? Error;
    error = new Ctor(encoded.message, options);
  }
  if (error.name !== encoded.name) {
    Object.defineProperty(error, 'name', { value: encoded.name, writable: true, configurable: true, enumerable: false });
  }
  if (encoded.stack !== undefined) {
    Object.defineProperty(error, 'stack', { value: encoded.stack, writable: true, configurable: true, enumerable: false });
  }
  Object.assign(error, encoded.props);
  return error;
}

/** The nearest built-in class of an error (a subclass of TypeError encodes as TypeError). */
function builtinName(error: Error): string {
  if (error instanceof AggregateError) return 'AggregateError';
  for (const name of ['TypeError', 'RangeError', 'SyntaxError', 'ReferenceError', 'EvalError', 'URIError']) {
    if (error instanceof kBuiltins[name]) return name;
  }
  // Errors from another realm (vm contexts) fail instanceof; trust their name if it is a built-in's.
  return kBuiltins[error.name] !== undefined ? error.name : 'Error';
}

/** Keeps a value if structured clone can carry it, else a description so the error still arrives. */
function cloneableOrDescription(value: unknown): unknown {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function' && typeof value !== 'symbol')) return value;
  try {
    return structuredClone(value);
  } catch {
    return `[uncloneable ${typeof value === 'function' ? 'function' : typeof value === 'symbol' ? String(value) : (value as object).constructor?.name ?? 'object'}]`;
  }
}
