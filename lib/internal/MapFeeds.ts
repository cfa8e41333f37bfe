import type { MapFeed } from './MapFeeder';

/**
 * An executor's maps without `buffersize` that are still submitting the
 * items they accepted (MapFeeder.ts): `shutdown()` waits for them, as for
 * any accepted work, or has them drop those items with `cancelFutures`.
 * Shared by the thread and process pools.
 */
export class MapFeeds {
  readonly #feeds = new Set<MapFeed>();

  /** `MapFeedHooks.track`: registers a feed; the function it returns forgets it. */
  readonly track = (feed: MapFeed): (() => void) => {
    this.#feeds.add(feed);
    return () => void this.#feeds.delete(feed);
  };

  /** Tells every live feed of the shutdown; resolves once each has submitted (or dropped) what it accepted. */
  shutdown(cancel: boolean): Promise<unknown> {
    return Promise.all([...this.#feeds].map((feed) => feed.shutdown(cancel)));
  }
}
