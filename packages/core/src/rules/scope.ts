/**
 * What a control names: a bank, an operator (payment service), the pair, or neither (every link or
 * charge). `NewLinkingSuspended` and `NewLinkingResumed` take any scope; charge stops name a bank
 * and may name an operator; a link policy is a bank's, or a bank's for one operator.
 */
export interface Scope {
  bankCode?: string;
  operatorCode?: string;
}

/**
 * Whether a control of `scope` applies to a link or charge at `bankCode` through `operatorCode`
 * (undefined in a scenario that names no operator: a control naming one applies to none of them).
 */
export function applies(scope: Scope, bankCode: string, operatorCode: string | undefined): boolean {
  return (
    (scope.bankCode === undefined || scope.bankCode === bankCode) &&
    (scope.operatorCode === undefined || scope.operatorCode === operatorCode)
  );
}

/** A scope's given fields only: an event's content holds no undefined member. */
export function scopeOf(d: Scope): Scope {
  const scope: Scope = {};
  if (d.bankCode !== undefined) scope.bankCode = d.bankCode;
  if (d.operatorCode !== undefined) scope.operatorCode = d.operatorCode;
  return scope;
}

/** A map key for a scope: ids are never empty and never hold NUL, so two scopes never share one. */
export const scopeKey = (bankCode?: string, operatorCode?: string): string =>
  `${bankCode ?? ''}\u0000${operatorCode ?? ''}`;

/** How a control's subject reads in reports: `all banks`, a bank, an operator, `bank via operator`. */
export function scopeSubject(scope: Scope, everything: string): string {
  const { bankCode, operatorCode } = scope;
  if (bankCode !== undefined && operatorCode !== undefined)
    return `${bankCode} via ${operatorCode}`;
  return bankCode ?? operatorCode ?? everything;
}
