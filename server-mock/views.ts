// Row → API object mappers (shapes documented in openapi.yaml).
import type { AccountRow, ConfirmationRow, DelegationRow } from './db'
import { maskIdentityNumber as maskNationalId } from '../src/shared/identity-number'

export function profileView(a: AccountRow) {
  return {
    account: a.account,
    name: a.name,
    nationalIdMasked: maskNationalId(a.national_id),
    category: a.category,
    email: a.email,
    email2: a.email2,
    mobile: a.mobile,
    phone: a.phone,
    address: a.address,
    birthDate: a.birth_date,
    registeredVia: a.registered_via,
    certificateEnabled: a.cert_enabled === 1,
    certificate:
      a.cert_enabled === 1 && a.cert_card_serial && a.cert_serial
        ? {
            cardSerial: a.cert_card_serial,
            serialNumber: a.cert_serial,
            subject: a.cert_subject ?? '',
            issuer: a.cert_issuer ?? '',
            notBefore: a.cert_not_before ?? '',
            notAfter: a.cert_not_after ?? ''
          }
        : null,
    createdAt: a.created_at,
    updatedAt: a.updated_at
  }
}

export function delegationView(d: DelegationRow) {
  return {
    id: d.id,
    declarationDate: d.declaration_date,
    houseBillNo: d.house_bill_no,
    masterBillNo: d.master_bill_no,
    direction: d.direction,
    carrier: d.carrier,
    goodsDescription: d.goods_description,
    quantity: d.quantity,
    declaredValue: d.declared_value,
    currency: d.currency,
    status: d.status,
    reason: d.reason,
    confirmedAt: d.confirmed_at,
    confirmedVia: d.confirmed_via,
    updatedAt: d.updated_at
  }
}

export type ConfirmationJoinRow = ConfirmationRow &
  Pick<DelegationRow, 'house_bill_no' | 'direction' | 'declaration_date'>

export function confirmationView(c: ConfirmationJoinRow) {
  return {
    id: c.id,
    delegationId: c.delegation_id,
    houseBillNo: c.house_bill_no,
    direction: c.direction,
    declarationDate: c.declaration_date,
    decision: c.decision,
    reason: c.reason,
    confirmedAt: c.confirmed_at,
    confirmedVia: c.confirmed_via,
    certificateSerial: c.cert_serial,
    cardSerial: c.card_serial
  }
}
