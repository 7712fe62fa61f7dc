// The preload's reports (shared/ipc-contract.ts PreloadReports): one way, validated like every request, nothing
// answered. Only the preload sends them (the page has no way to), and only for what it saw itself: the files of a
// real drop on the window, which are then the user's, as if chosen in the Open dialog.
import * as v from 'valibot';
import { REPORT_CHANNELS } from '../../shared/ipc-contract';
import type { PreloadReports, ReportChannel } from '../../shared/ipc-contract';
import { REPORT_SCHEMAS } from '../../shared/ipc-schemas';
import type { Services } from './services';

/** Takes one report's payload; a payload that fails its schema is dropped (there is no one to answer). */
export type ReportHandler = (payload: unknown) => void;
export type ReportTable = { readonly [R in ReportChannel]: ReportHandler };

type ReportImplementation = { readonly [R in ReportChannel]: (report: PreloadReports[R]) => void };

function implementation(s: Services): ReportImplementation {
  return {
    'drop:files': ({ paths }) => s.grants.grant(paths),
  };
}

/** The table: every report channel, validated. Synchronous, so a report is applied before the next message. */
export function createReports(services: Services): ReportTable {
  const impl = implementation(services);
  const entries = REPORT_CHANNELS.map((channel) => {
    const schema = REPORT_SCHEMAS[channel] as v.GenericSchema<unknown, PreloadReports[typeof channel]>;
    const handle: ReportHandler = (payload) => {
      const parsed = v.safeParse(schema, payload);
      if (parsed.success) impl[channel](parsed.output);
    };
    return [channel, handle] as const;
  });
  return Object.fromEntries(entries) as unknown as ReportTable;
}
