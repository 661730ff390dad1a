// Approval requests: what the store keeps, what the API shows, and the log record of each step.

/** Stored status. `consumed` is an approved request whose held command has run (once). */
export type StoredStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'consumed';
export const STORED_STATUSES: readonly StoredStatus[] = ['pending', 'approved', 'rejected', 'expired', 'consumed'];

export interface ApprovalRow {
  id: string;
  /** The require_approval decision this request was made for (one request per decision). */
  decision_id: string;
  status: StoredStatus;
  created_at: string;
  expires_at: string;
  /** The enforcer (service caller name) that created it; only it may read it as an enforcer and consume it. */
  created_by: string;
  /** The requester: the decision's principal. */
  principal_id: string;
  principal: unknown;
  resource: unknown;
  resource_name: string | null;
  /** The exact command: the decision's action object and sha256 of its canonical JSON. */
  action: unknown;
  action_digest: string;
  /** Groups whose members may approve (require_approval.approvers), the policy's reason and ttl. */
  approvers: string[];
  request_reason: string;
  ttl: string;
  decided_by: string | null;
  decided_groups: string[] | null;
  /** The admin caller that relayed the approver's decision. */
  decided_via: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  consumed_at: string | null;
  consumed_by: string | null;
}

/** Steps of a request's life, each a log record of kind "approval". `refused` = an approve/reject attempt turned down. */
export type ApprovalStep = 'created' | 'approved' | 'rejected' | 'expired' | 'consumed' | 'refused';

/**
 * The approval resource of the REST contract (enforcers/common/README.md). `status` keeps the
 * contract's four values: a consumed request reads `approved` with `consumed_at` set.
 */
export interface ApprovalView {
  id: string;
  decision_id: string;
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  consumed: boolean;
  created_at: string;
  expires_at: string;
  ttl: string;
  approvers: string[];
  request_reason: string;
  requester: string;
  principal: unknown;
  resource: unknown;
  action: unknown;
  action_digest: string;
  approved_by?: string[];
  rejected_by?: string;
  reason?: string;
  decided_at?: string;
  consumed_at?: string;
}

export function toView(r: ApprovalRow): ApprovalView {
  const status = r.status === 'consumed' ? 'approved' : r.status;
  const v: ApprovalView = {
    id: r.id,
    decision_id: r.decision_id,
    status,
    consumed: r.status === 'consumed',
    created_at: r.created_at,
    expires_at: r.expires_at,
    ttl: r.ttl,
    approvers: r.approvers,
    request_reason: r.request_reason,
    requester: r.principal_id,
    principal: r.principal,
    resource: r.resource,
    action: r.action,
    action_digest: r.action_digest,
  };
  // Only pending or approved requests expire, so a decided expired one was approved (and not used in time).
  if (r.decided_by && r.status !== 'rejected') v.approved_by = [r.decided_by];
  if (r.decided_by && r.status === 'rejected') v.rejected_by = r.decided_by;
  if (r.decision_reason) v.reason = r.decision_reason;
  if (r.decided_at) v.decided_at = r.decided_at;
  if (r.consumed_at) v.consumed_at = r.consumed_at;
  return v;
}
