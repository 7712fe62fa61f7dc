// An OVA Platter writes (convert or create to a .ova name): a ustar archive that Python's tarfile and GNU tar
// list as the OVF descriptor, the stream-optimized disk and the manifest, in that order; the OVF parses as XML and
// names the disk's true size and capacity and the controller --adapter asks for; the manifest's SHA-256 digests
// are the members' own; qemu-img and libvmdk read the disk inside as its source, and Platter reads the OVA back.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPlatterError } from '../../electron/engine/errors';
import { convertImage } from '../../electron/engine/ops/convert';
import { hashImage } from '../../electron/engine/ops/hash';
import { cli } from '../helpers/cli';
import { sha256File, writeRaw } from '../helpers/data';
import { useTempDirs } from '../helpers/temp-dir';
import { pyvmdkHash, run, tools } from '../helpers/tools';

const tempDir = useTempDirs();
const MiB = 1024 * 1024;
const SIZE = 40 * MiB + 512;
const PIECES: [number, number][] = [
  [0, 200 * 1024],
  [33 * MiB - 5000, 10000],
  [SIZE - 1024, 1024],
];

/** What Python's standard library reads of the OVA: members in order, the OVF's facts, the digests. */
const INSPECT = `
import sys, tarfile, hashlib, json, xml.etree.ElementTree as ET
ova, out = sys.argv[1], sys.argv[2]
members = []
with tarfile.open(ova, format=tarfile.USTAR_FORMAT) as t:
    for m in t.getmembers():
        members.append({"name": m.name, "size": m.size, "regular": m.isreg()})
    t.extractall(out)
ns = {"o": "http://schemas.dmtf.org/ovf/envelope/1",
      "r": "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"}
root = ET.parse(out + "/" + members[0]["name"]).getroot()
f = root.find("o:References/o:File", ns)
d = root.find("o:DiskSection/o:Disk", ns)
attr = lambda e, k: e.get("{%s}%s" % (ns["o"], k))
items = []
for it in root.iter("{%s}Item" % ns["o"]):
    tags = [c.tag.split("}")[1] for c in it]
    items.append({"tags": tags, "values": {t: c.text for t, c in zip(tags, it)}})
digests = {}
for m in members:
    digests[m["name"]] = hashlib.sha256(open(out + "/" + m["name"], "rb").read()).hexdigest()
print(json.dumps({"members": members, "href": attr(f, "href"), "fileSize": int(attr(f, "size")),
  "capacity": int(attr(d, "capacity")), "format": attr(d, "format"), "items": items, "digests": digests}))
`;

interface Inspected {
  members: { name: string; size: number; regular: boolean }[];
  href: string;
  fileSize: number;
  capacity: number;
  format: string;
  items: { tags: string[]; values: Record<string, string> }[];
  digests: Record<string, string>;
}

async function inspect(ova: string, out: string): Promise<Inspected> {
  return JSON.parse(await run('/usr/bin/python3', ['-c', INSPECT, ova, out])) as Inspected;
}

describe.skipIf(!tools.qemuImg)('OVA written by Platter', () => {
  it.each([
    ['lsilogic', '6', 'lsilogic'],
    ['ide', '5', undefined],
    ['pvscsi', '6', 'VirtualSCSI'],
  ] as const)('%s adapter: tar, OVF, manifest and disk as the peers read them', async (adapter, type, subType) => {
    const dir = await tempDir();
    const raw = join(dir, 'source.raw');
    await writeRaw(raw, SIZE, PIECES);
    const ova = join(dir, 'Appliance.ova');
    const result = await convertImage({ input: raw, output: ova, adapter });
    expect(result).toMatchObject({ format: 'vmdk', virtualSize: SIZE });

    const out = join(dir, 'unpacked');
    const seen = await inspect(ova, out);
    expect(seen.members.map((m) => m.name)).toEqual(['Appliance.ovf', 'Appliance-disk1.vmdk', 'Appliance.mf']);
    expect(seen.members.every((m) => m.regular)).toBe(true);
    expect(await run('tar', ['tf', ova])).toBe('Appliance.ovf\nAppliance-disk1.vmdk\nAppliance.mf\n');
    const disk = seen.members[1]!;
    expect(seen).toMatchObject({ href: disk.name, fileSize: disk.size, capacity: SIZE });
    expect(seen.format).toMatch(/#streamOptimized$/);
    const controller = seen.items.find((i) => i.values.InstanceID === '3')!;
    expect(controller.values.ResourceType).toBe(type);
    expect(controller.values.ResourceSubType).toBe(subType);
    for (const item of seen.items) expect(item.tags).toEqual([...item.tags].sort());
    const diskItem = seen.items.find((i) => i.values.ResourceType === '17')!;
    expect(diskItem.values).toMatchObject({ HostResource: 'ovf:/disk/vmdisk1', Parent: '3' });

    const manifest = (await run('cat', [join(out, 'Appliance.mf')])).trim().split('\n');
    expect(manifest).toEqual([
      `SHA256(Appliance.ovf)= ${seen.digests['Appliance.ovf']}`,
      `SHA256(Appliance-disk1.vmdk)= ${seen.digests['Appliance-disk1.vmdk']}`,
    ]);

    const vmdk = join(out, disk.name);
    expect(await run('qemu-img', ['check', '-f', 'vmdk', vmdk])).toContain('No errors were found');
    expect(await run('qemu-img', ['compare', '-f', 'raw', '-F', 'vmdk', raw, vmdk])).toContain('identical');
    const descriptor = await run('qemu-img', ['info', '--output=json', vmdk]);
    expect(JSON.parse(descriptor)['format-specific'].data['create-type']).toBe('streamOptimized');
    const truth = await sha256File(raw);
    if (tools.pyvmdk) expect(await pyvmdkHash(vmdk)).toEqual({ size: SIZE, sha256: truth });
    expect((await hashImage(ova)).sha256).toBe(truth);
  });

  it('create makes an empty appliance; --subformat other than stream-optimized is refused for an OVA', async () => {
    const dir = await tempDir();
    const ova = join(dir, 'empty.ova');
    const { code, stderr } = await cli('create', ova, '--size', '64M');
    expect(code, stderr).toBe(0);
    const seen = await inspect(ova, join(dir, 'out'));
    expect(seen.capacity).toBe(64 * MiB);
    const zeros = join(dir, 'zeros.raw');
    await writeRaw(zeros, 64 * MiB, []);
    expect((await hashImage(ova)).sha256).toBe(await sha256File(zeros));

    const refused = await convertImage({
      input: zeros,
      output: join(dir, 'x.ova'),
      subformat: 'monolithic-sparse',
    }).catch((e: unknown) => e);
    expect(isPlatterError(refused, 'BAD_ARGUMENT')).toBe(true);
    expect((refused as Error).message).toContain('.vmdk');
    const named = await cli('convert', zeros, join(dir, 'y.ova'), '--subformat', 'stream-optimized');
    expect(named.code, named.stderr).toBe(0);
  });
});
