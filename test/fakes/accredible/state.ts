/**
 * What the fake Accredible knows: issuers (accounts) with their API keys, groups, designs and
 * credentials. An API key sees only its own issuer's records, as a real account or department key
 * does. Tests arrange and inspect it directly.
 */

export interface FakeAccredibleIssuer {
  id: number;
  name: string;
  apiKeys: string[];
}

export interface FakeAccredibleGroup {
  id: number;
  issuerId: number;
  name: string;
  courseName: string;
  courseDescription: string;
  primaryDesignId: number | null;
  /** Deleted groups vanish from lists and answer 404; the record stays for inspection. */
  deleted: boolean;
}

export interface FakeAccredibleDesign {
  id: number;
  issuerId: number;
  rasterizedContentUrl: string;
}

export interface FakeAccredibleCredential {
  id: number;
  issuerId: number;
  groupId: number;
  recipient: { name: string; email: string };
  issuedOn: string;
  expiredOn: string | null;
  approve: boolean;
  complete: boolean;
  metaData: Record<string, unknown>;
  deleted: boolean;
}

export class FakeAccredibleState {
  readonly issuers = new Map<number, FakeAccredibleIssuer>();
  readonly groups = new Map<number, FakeAccredibleGroup>();
  readonly designs = new Map<number, FakeAccredibleDesign>();
  readonly credentials = new Map<number, FakeAccredibleCredential>();
  #nextId = 1000;

  nextId(): number {
    return this.#nextId++;
  }

  addIssuer(input: { name: string; apiKeys: string[] }): FakeAccredibleIssuer {
    const issuer = { id: this.nextId(), ...input };
    this.issuers.set(issuer.id, issuer);
    return issuer;
  }

  addDesign(issuerId: number): FakeAccredibleDesign {
    const id = this.nextId();
    const design = { id, issuerId, rasterizedContentUrl: `https://images.accredible.test/designs/${id}.png` };
    this.designs.set(id, design);
    return design;
  }

  addGroup(input: Partial<FakeAccredibleGroup> & { issuerId: number; courseName: string }): FakeAccredibleGroup {
    const group: FakeAccredibleGroup = {
      id: this.nextId(),
      name: input.courseName.toLowerCase().replace(/\W+/g, '-'),
      courseDescription: `${input.courseName} description`,
      primaryDesignId: null,
      deleted: false,
      ...input,
    };
    this.groups.set(group.id, group);
    return group;
  }

  issuerOfKey(apiKey: string): FakeAccredibleIssuer | undefined {
    return [...this.issuers.values()].find((issuer) => issuer.apiKeys.includes(apiKey));
  }

  credentialsOf(issuerId: number): FakeAccredibleCredential[] {
    return [...this.credentials.values()].filter((credential) => credential.issuerId === issuerId);
  }
}
