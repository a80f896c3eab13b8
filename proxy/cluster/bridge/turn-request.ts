/** A Responses turn as the router sees it: what dispatch needs, plus whose session it may belong to. */
import type { DispatchRequest } from '../../routing/dispatch.ts';
import type { RequestRoute } from '../../upstream/request-body.ts';

export interface TurnRequest extends DispatchRequest {
  /** Which route's affinity rules apply (and whether it is a Codex session's idle TTL). */
  route: RequestRoute;
  /** The client's API key: sessions and affinity are scoped to it. */
  apiKeyId: string | undefined;
  /** Responses turns may belong to a session; compaction and chat completions never do. */
  bridgeable: boolean;
}
