// RxJS operators (SPEC §4). One operator per file; this barrel re-exports them.
export {};
