// RxJS operators (SPEC §4). One operator per file; this barrel re-exports them.
export { submit$ } from './submit';
export { fromFuture, type FromFutureOptions } from './fromFuture';
export { mapOrdered$, type MapOrderedOptions } from './mapOrdered';
export { mapUnordered$, type MapUnorderedOptions } from './mapUnordered';
export { asCompleted$, type AsCompleted$Options } from './asCompleted';
export { waitFirst$, type WaitFirst$Options } from './waitFirst';
export { stream$ } from './stream';
