// A DnsPort that answers one domain with one loopback address (a cut proxy in front of the real
// server) and logs every query, so tests can see that each session initiation asked afresh.
import type { DnsPort } from '../../electron/main/net/dns';

export function dnsTo(domain: string, address: string): { port: DnsPort; queries: string[] } {
  const queries: string[] = [];
  const nodata = (name: string): Promise<never> => Promise.reject(Object.assign(new Error(`no data for ${name}`), { code: 'ENODATA' }));
  return {
    queries,
    port: {
      resolveSrv: (name) => {
        queries.push(`SRV ${name}`);
        return nodata(name);
      },
      resolve4: (name) => {
        queries.push(`A ${name}`);
        return name === domain ? Promise.resolve([address]) : nodata(name);
      },
      resolve6: (name) => {
        queries.push(`AAAA ${name}`);
        return nodata(name);
      },
    },
  };
}
