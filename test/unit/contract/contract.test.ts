// The contract is complete: every channel has a schema, a handler, a preload method, and nothing else exists.
import { describe, expect, it } from 'vitest';
import {
  EVENT_CHANNELS,
  EVENT_METHODS,
  INVOKE_CHANNELS,
  INVOKE_METHODS,
  REPORT_CHANNELS,
} from '../../../shared/ipc-contract';
import { INVOKE_SCHEMAS, JOB_SCHEMAS, REPORT_SCHEMAS } from '../../../shared/ipc-schemas';
import { CHANNEL_RULES } from '../../../electron/main/channel-rules';
import { JOB_PATH_RULES } from '../../../electron/main/path-checks';
import { createReports } from '../../../electron/main/reports';
import { OPERATIONS } from '../../../electron/worker/operations';
import { useTempDirs } from '../../helpers/temp-dir';
import { harness } from '../main/helpers';

const sorted = (list: Iterable<string>) => [...list].sort();

describe('the IPC contract', () => {
  const tempDir = useTempDirs();

  it('has a schema for every invoke channel, and no schema without a channel', () => {
    expect(sorted(Object.keys(INVOKE_SCHEMAS))).toEqual(sorted(INVOKE_CHANNELS));
    for (const channel of INVOKE_CHANNELS) expect(INVOKE_SCHEMAS[channel], channel).toBeDefined();
  });

  it('names every channel domain:verb, and every method once', () => {
    for (const channel of [...INVOKE_CHANNELS, ...EVENT_CHANNELS, ...REPORT_CHANNELS])
      expect(channel).toMatch(/^[a-z]+:[a-z]+(-[a-z]+)*$/);
    const methods = [...Object.values(INVOKE_METHODS), ...Object.values(EVENT_METHODS), 'pathForFile'];
    expect(new Set(methods).size).toBe(methods.length);
    for (const m of Object.values(EVENT_METHODS)) expect(m).toMatch(/^on[A-Z]/);
  });

  it('has, for every job op, a schema, path rules and an engine operation', () => {
    const ops = sorted(Object.keys(JOB_SCHEMAS));
    expect(ops).toEqual([
      'compact',
      'convert',
      'convert-to-child',
      'create',
      'hash',
      'merge',
      'repair',
      'resize',
      'set-parent',
    ]);
    expect(sorted(Object.keys(JOB_PATH_RULES))).toEqual(ops);
    expect(sorted(Object.keys(OPERATIONS))).toEqual(ops);
  });

  it('the handler table has exactly the contract channels, each a function with its path rule', async () => {
    const { handlers } = await harness(await tempDir());
    expect(sorted(Object.keys(handlers))).toEqual(sorted(INVOKE_CHANNELS));
    expect(sorted(Object.keys(CHANNEL_RULES))).toEqual(sorted(INVOKE_CHANNELS));
    for (const channel of INVOKE_CHANNELS) expect(typeof handlers[channel]).toBe('function');
  });

  it('has a schema and a main-side handler for every preload report, and none is a page method or event', async () => {
    const { services } = await harness(await tempDir());
    expect(REPORT_CHANNELS).toEqual(['drop:files']);
    expect(sorted(Object.keys(REPORT_SCHEMAS))).toEqual(sorted(REPORT_CHANNELS));
    expect(sorted(Object.keys(createReports(services)))).toEqual(sorted(REPORT_CHANNELS));
    for (const channel of REPORT_CHANNELS) {
      expect(Object.keys(INVOKE_METHODS)).not.toContain(channel);
      expect(Object.keys(EVENT_METHODS)).not.toContain(channel);
    }
  });
});
