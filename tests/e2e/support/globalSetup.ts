import { makeAuthority } from './authority.ts';

/** Before any worker starts: the run's CA, trusted by the workers' own HTTPS requests (they inherit this environment). */
export default function globalSetup(): () => void {
  const authority = makeAuthority();
  process.env.MADOGUCHI_E2E_AUTHORITY = authority.dir;
  process.env.NODE_EXTRA_CA_CERTS = authority.caFile;
  return authority.remove;
}
