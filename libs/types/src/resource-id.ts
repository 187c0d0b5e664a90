import { isResourceType, PROVIDERS, type Provider, type ResourceType } from './resource-type.js';

/** The parts of a canonical id `aws:<account>:<region>:<type>:<native-id>`. */
export interface ResourceIdParts {
  provider: Provider;
  account: string;
  region: string;
  type: ResourceType;
  nativeId: string;
}

const ACCOUNT = /^\d{12}$/;
/** An AWS region, or `global` for the types read once per account (IAM, CloudFront, Route 53). */
const REGION = /^([a-z]{2}(-[a-z]+)+-\d+|global)$/;

export class InvalidResourceIdError extends Error {
  constructor(
    readonly id: string,
    reason: string,
  ) {
    super(`invalid resource id ${JSON.stringify(id)}: ${reason}`);
    this.name = 'InvalidResourceIdError';
  }
}

/**
 * Builds the canonical id. Account, region and type are all part of it because ids that were
 * unique only per region or per type made one region's scan "delete" another's resources.
 */
export function formatResourceId(parts: ResourceIdParts): string {
  const id = `${parts.provider}:${parts.account}:${parts.region}:${parts.type}:${parts.nativeId}`;
  // Round-trip through the parser so a bad part is caught where it is made, not downstream.
  parseResourceId(id);
  return id;
}

export function parseResourceId(id: string): ResourceIdParts {
  // The native id may itself contain ':' (ARNs do), so split only the first four separators.
  const parts: string[] = [];
  let rest = id;
  for (let i = 0; i < 4; i++) {
    const at = rest.indexOf(':');
    if (at < 0) throw new InvalidResourceIdError(id, 'expected provider:account:region:type:native-id');
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  const [provider, account, region, type] = parts as [string, string, string, string];
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw new InvalidResourceIdError(id, `unknown provider "${provider}"`);
  }
  if (!ACCOUNT.test(account)) throw new InvalidResourceIdError(id, `account "${account}" is not 12 digits`);
  if (!REGION.test(region)) throw new InvalidResourceIdError(id, `region "${region}" is not an AWS region name`);
  if (!isResourceType(type)) throw new InvalidResourceIdError(id, `unknown type "${type}"`);
  if (rest.length === 0) throw new InvalidResourceIdError(id, 'native id is empty');
  return { provider: provider as Provider, account, region, type, nativeId: rest };
}

/** The native part of a canonical id, or null when the id is not one (for display). */
export function nativeIdOf(id: string): string | null {
  try {
    return parseResourceId(id).nativeId;
  } catch {
    return null;
  }
}

/** The type part of a canonical id, or null when the id is not one. */
export function typeOfId(id: string): ResourceType | null {
  try {
    return parseResourceId(id).type;
  } catch {
    return null;
  }
}
