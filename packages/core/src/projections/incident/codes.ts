import { knownTypeCode, statusCode } from '../../events/columns';
import { CASE_STATUSES } from '../../events/types';
import { COUNTED_STATUSES } from './reference';

/** The row type codes the incident's columnar parts fold (events/columns.ts numbers them). */
export const TYPE = {
  charge: knownTypeCode('ChargeExecuted'),
  linked: knownTypeCode('BankAccountLinked'),
  purchase: knownTypeCode('PurchaseMade'),
  reported: knownTypeCode('CaseReported'),
  reclassified: knownTypeCode('CaseReclassified'),
  compensation: knownTypeCode('CompensationPaid'),
  inquiries: knownTypeCode('InquiriesReceived'),
  linkingSuspended: knownTypeCode('NewLinkingSuspended'),
  linkingResumed: knownTypeCode('NewLinkingResumed'),
  linkPolicySet: knownTypeCode('BankLinkPolicySet'),
  chargesStopped: knownTypeCode('BankChargesStopped'),
  chargesResumed: knownTypeCode('BankChargesResumed'),
  locked: knownTypeCode('WalletLocked'),
  ekycRequired: knownTypeCode('EkycRequired'),
  compensationStarted: knownTypeCode('CompensationStarted'),
} as const;

/** Case status codes as the status column holds them (statusCode); none is a row without one. */
export const STATUS = {
  none: 0,
  suspected: statusCode('suspected'),
  confirmed: statusCode('confirmed'),
} as const;

/** 1 at the codes of COUNTED_STATUSES: whether a case with that status counts. */
const COUNTED_CODES = Uint8Array.from({ length: CASE_STATUSES.length + 1 }, (_, code) =>
  COUNTED_STATUSES.has(CASE_STATUSES[code - 1]!) ? 1 : 0,
);
export const countsStatus = (code: number): boolean => COUNTED_CODES[code] === 1;
