/**
 * The Redis names of one topic: its meta hash (epoch and top sequence), its stream (the kept events)
 * and its Pub/Sub channel. All three carry the same hash tag, `{...}` around the topic, so that they
 * hash to one slot and Redis Cluster runs the publish script (which touches all three) on one node.
 * Braces in a topic are escaped, so the tag is the whole topic and never a part of it.
 */
export interface TopicKeys {
  readonly meta: string;
  readonly stream: string;
  readonly channel: string;
}

/** `%`, `{` and `}` percent-encoded: a topic's tag then has no brace to end early on. */
function tagOf(topic: string): string {
  return topic.replace(/[%{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function topicKeys(prefix: string, topic: string): TopicKeys {
  const base = `${prefix}:{${tagOf(topic)}}`;
  return { meta: `${base}:meta`, stream: `${base}:events`, channel: `${base}:live` };
}
