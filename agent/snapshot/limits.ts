// The contract's limits as the schema declares them, for the code that makes values fit (agent/collect.ts
// shortens a message, leaves out a value or the rest of a list): read from the schema, never repeated.
import type Type from 'typebox';
import {
  BootstrapToken,
  CollectionError,
  CryptoUser,
  Device,
  FileVaultDeferral,
  Mdm,
  PlatformSso,
  Snapshot,
  User,
} from './schema.ts';

interface Bounded {
  maxLength?: number;
  maxItems?: number;
  anyOf?: readonly Bounded[];
}

/** The one bound of a schema (or of the non-null branch of a nullable one); a missing bound is a bug. */
function bound(schema: Type.TSchema, key: 'maxLength' | 'maxItems'): number {
  const s = schema as Bounded;
  const found = s[key] ?? s.anyOf?.map((b) => b[key]).find((v) => v !== undefined);
  if (found === undefined) throw new Error(`the contract declares no ${key} here`);
  return found;
}

export const maxLength = (schema: Type.TSchema): number => bound(schema, 'maxLength');
export const maxItems = (schema: Type.TSchema): number => bound(schema, 'maxItems');

const top = Snapshot.properties;

/** The properties of platformSso.user (a nullable object). */
function userOf(schema: typeof PlatformSso) {
  const branch = (
    schema.properties.user as unknown as { anyOf: { properties?: Record<string, Type.TSchema> }[] }
  ).anyOf.find((b) => b.properties !== undefined);
  if (!branch?.properties?.['state']) throw new Error('platformSso.user declares no state');
  return branch.properties as { state: Type.TSchema };
}

/** Every limit the agent applies, by the snapshot path it limits. */
export const LIMITS = {
  'errors.message': maxLength(CollectionError.properties.message),
  errors: maxItems(top.errors),
  users: maxItems(top.users),
  'users.name': maxLength(User.properties.name),
  'users.guid': maxLength(User.properties.guid),
  cryptoUsers: maxItems(top.cryptoUsers),
  'cryptoUsers.uuid': maxLength(CryptoUser.properties.uuid),
  'cryptoUsers.type': maxLength(CryptoUser.properties.type),
  notApplicable: maxItems(top.notApplicable),
  'device.serial': maxLength(Device.properties.serial),
  'device.hardwareUuid': maxLength(Device.properties.hardwareUuid),
  'device.model': maxLength(Device.properties.model),
  'device.osVersion': maxLength(Device.properties.osVersion),
  'device.osBuild': maxLength(Device.properties.osBuild),
  'device.hostname': maxLength(Device.properties.hostname),
  'mdm.server': maxLength(Mdm.properties.server),
  'bootstrapToken.eacsPreflight': maxLength(BootstrapToken.properties.eacsPreflight),
  consoleUser: maxLength(top.consoleUser),
  'fileVault.deferral.users': maxItems(FileVaultDeferral.properties.users),
  'fileVault.deferral.outputPath': maxLength(FileVaultDeferral.properties.outputPath),
  'platformSso.extensionIdentifier': maxLength(PlatformSso.properties.extensionIdentifier),
  'platformSso.loginType': maxLength(PlatformSso.properties.loginType),
  'platformSso.user.state': maxLength(userOf(PlatformSso).state),
} as const;
