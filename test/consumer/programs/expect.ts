// Type assertions for the programs: `expectType<Equal<A, B>>(true)` compiles
// only if A and B are the same type (not merely assignable, and not any).
export type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
export function expectType<T>(_value: T): void {}
