/** An extension point's registered handlers (adapters, value-source openers): the latest registration first. */
export class Registry<T> {
  private readonly entries: T[] = [];

  /** In precedence order; iterated directly on hot paths (no callback per lookup). */
  get items(): readonly T[] {
    return this.entries;
  }

  /** Registers `item` ahead of the earlier ones. Returns a function to remove it. */
  register(item: T): () => void {
    this.entries.unshift(item);
    return () => {
      const i = this.entries.indexOf(item);
      if (i >= 0) this.entries.splice(i, 1);
    };
  }
}
