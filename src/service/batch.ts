// POST /v1/decisions/batch's limit, shared by the route and the HTTP transport that fills it.
/** Most POST /v1/decisions bodies in one batch. */
export const MAX_DECISION_BATCH = 64;
