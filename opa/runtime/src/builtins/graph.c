/* graph.reachable(graph, initial): breadth-first search; only vertices that are keys of the
 * graph are reported (as OPA). `initial` must be an array or a set (OPA's conformance case
 * "reachable/malformed 3": a string start is a type error); edge collections that are not
 * arrays or sets are ignored. */
#include "wb_common.h"

static void enqueue_all(opa_value *queue, opa_value *coll, opa_value *reached) {
  if (!coll || (coll->type != OPA_ARRAY && coll->type != OPA_SET)) return;
  uint32_t n = opa_value_length(coll);
  for (uint32_t i = 0; i < n; i++) {
    opa_value *v = opa_value_val_at(coll, i);
    if (!reached || !opa_value_get(reached, v)) opa_array_append(queue, v);
  }
}

WRIT_EXPORT("wb_graph_reachable") opa_value *wb_graph_reachable(opa_value *graph, opa_value *initial) {
  if (!wb_is(graph, OPA_OBJECT) || !initial || (initial->type != OPA_ARRAY && initial->type != OPA_SET)) return 0;
  opa_value *queue = opa_array();
  opa_value *reached = opa_set();
  enqueue_all(queue, initial, 0);
  for (uint32_t head = 0; head < ((opa_array_t *)queue)->len; head++) {
    opa_value *node = ((opa_array_t *)queue)->elems[head];
    if (opa_value_get(reached, node)) continue;
    opa_value *edges = opa_value_get(graph, node);
    if (!edges) continue;
    enqueue_all(queue, edges, reached);
    opa_set_add(reached, node);
  }
  return reached;
}
