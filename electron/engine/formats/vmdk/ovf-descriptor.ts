// The OVF 1.0 descriptor of an appliance Platter packages: one virtual machine with one stream-optimized disk on
// the controller --adapter names, one CPU and 2 GiB of memory (every importer lets the user change those), no
// network. The rasd elements are in the schema's alphabetical order, which ovftool enforces.
import type { Adapter } from './new-descriptor';

export interface OvfDisk {
  /** The VMDK's name inside the OVA. */
  readonly fileName: string;
  /** Its bytes in the OVA. */
  readonly fileSize: number;
  /** The disk's virtual size, in bytes. */
  readonly capacity: number;
}

const MEMORY_MIB = 2048;

function escaped(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function item(fields: Record<string, string | number>): string {
  const lines = Object.keys(fields)
    .sort()
    .map((k) => `        <rasd:${k}>${escaped(String(fields[k]))}</rasd:${k}>`);
  return `      <Item>\n${lines.join('\n')}\n      </Item>`;
}

/** The controller the disk hangs on: IDE, or a SCSI one of the kind the VMDK's descriptor names. */
function controller(adapter: Adapter): Record<string, string | number> {
  if (adapter === 'ide') return { ElementName: 'ideController0', InstanceID: 3, ResourceType: 5, Address: 0 };
  const subType = adapter === 'pvscsi' ? 'VirtualSCSI' : 'lsilogic';
  return { ElementName: 'scsiController0', InstanceID: 3, ResourceSubType: subType, ResourceType: 6, Address: 0 };
}

export function ovfDescriptor(name: string, disk: OvfDisk, adapter: Adapter): string {
  const n = escaped(name);
  const items = [
    item({
      AllocationUnits: 'hertz * 10^6',
      Description: 'Number of virtual CPUs',
      ElementName: '1 virtual CPU',
      InstanceID: 1,
      ResourceType: 3,
      VirtualQuantity: 1,
    }),
    item({
      AllocationUnits: 'byte * 2^20',
      Description: 'Memory size',
      ElementName: `${MEMORY_MIB} MB of memory`,
      InstanceID: 2,
      ResourceType: 4,
      VirtualQuantity: MEMORY_MIB,
    }),
    item(controller(adapter)),
    item({
      AddressOnParent: 0,
      ElementName: 'disk0',
      HostResource: 'ovf:/disk/vmdisk1',
      InstanceID: 4,
      Parent: 3,
      ResourceType: 17,
    }),
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>
<Envelope ovf:version="1.0" xml:lang="en-US" xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <References>
    <File ovf:href="${escaped(disk.fileName)}" ovf:id="file1" ovf:size="${disk.fileSize}"/>
  </References>
  <DiskSection>
    <Info>Virtual disk information</Info>
    <Disk ovf:capacity="${disk.capacity}" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
  </DiskSection>
  <VirtualSystem ovf:id="${n}">
    <Info>A virtual machine</Info>
    <Name>${n}</Name>
    <OperatingSystemSection ovf:id="1">
      <Info>The kind of installed guest operating system</Info>
      <Description>Other</Description>
    </OperatingSystemSection>
    <VirtualHardwareSection>
      <Info>Virtual hardware requirements</Info>
      <System>
        <vssd:ElementName>Virtual Hardware Family</vssd:ElementName>
        <vssd:InstanceID>0</vssd:InstanceID>
        <vssd:VirtualSystemIdentifier>${n}</vssd:VirtualSystemIdentifier>
        <vssd:VirtualSystemType>vmx-07</vssd:VirtualSystemType>
      </System>
${items.join('\n')}
    </VirtualHardwareSection>
  </VirtualSystem>
</Envelope>
`;
}
