/** A promise whose value can be read synchronously once it has come. */
export class Settled<T> {
  value: T | undefined = undefined;
  readonly promise: Promise<T>;
  constructor(promise: Promise<T>) {
    this.promise = promise.then((value) => (this.value = value));
  }
}
