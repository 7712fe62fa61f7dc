// What partition type codes mean, in the words partitioning tools use (fdisk, gdisk).

const MBR_TYPES: Readonly<Record<number, string>> = {
  0x01: 'FAT12',
  0x04: 'FAT16 <32M',
  0x05: 'Extended',
  0x06: 'FAT16',
  0x07: 'NTFS/exFAT/HPFS',
  0x0b: 'FAT32',
  0x0c: 'FAT32 (LBA)',
  0x0e: 'FAT16 (LBA)',
  0x0f: 'Extended (LBA)',
  0x27: 'Windows recovery',
  0x42: 'Windows dynamic disk',
  0x82: 'Linux swap',
  0x83: 'Linux',
  0x85: 'Linux extended',
  0x8e: 'Linux LVM',
  0xa5: 'FreeBSD',
  0xa6: 'OpenBSD',
  0xa9: 'NetBSD',
  0xaf: 'Apple HFS/HFS+',
  0xee: 'GPT protective',
  0xef: 'EFI System',
  0xfd: 'Linux RAID',
};

const GPT_TYPES: Readonly<Record<string, string>> = {
  'c12a7328-f81f-11d2-ba4b-00a0c93ec93b': 'EFI System',
  '21686148-6449-6e6f-744e-656564454649': 'BIOS boot',
  'e3c9e316-0b5c-4dc8-817d-f92df00215ae': 'Microsoft reserved',
  'ebd0a0a2-b9e5-4433-87c0-68b6b72699c7': 'Microsoft basic data',
  'de94bba4-06d1-4d40-a16a-bfd50179d6ac': 'Windows recovery',
  '5808c8aa-7e8f-42e0-85d2-e1e90434cfb3': 'Windows LDM metadata',
  'af9b60a0-1431-4f62-bc68-3311714a69ad': 'Windows LDM data',
  '0fc63daf-8483-4772-8e79-3d69d8477de4': 'Linux filesystem',
  '4f68bce3-e8cd-4db1-96e7-fbcaf984b709': 'Linux root (x86-64)',
  '0657fd6d-a4ab-43c4-84e5-0933c84b4f4f': 'Linux swap',
  'e6d6d379-f507-44c2-a23c-238f2a3df928': 'Linux LVM',
  'a19d880f-05fc-4d3b-a006-743f0f84911e': 'Linux RAID',
  'bc13c2ff-59e6-4262-a352-b275fd6f7172': 'Linux extended boot',
  '83bd6b9d-7f41-11dc-be0b-001560b84f0f': 'FreeBSD boot',
  '516e7cb4-6ecf-11d6-8ff8-00022d09712b': 'FreeBSD data',
  '516e7cb5-6ecf-11d6-8ff8-00022d09712b': 'FreeBSD swap',
  '516e7cb6-6ecf-11d6-8ff8-00022d09712b': 'FreeBSD UFS',
  '516e7cba-6ecf-11d6-8ff8-00022d09712b': 'FreeBSD ZFS',
  '48465300-0000-11aa-aa11-00306543ecac': 'Apple HFS/HFS+',
  '7c3457ef-0000-11aa-aa11-00306543ecac': 'Apple APFS',
  '6a898cc3-1dd2-11b2-99a6-080020736631': 'ZFS',
};

export function mbrTypeName(type: number): string {
  return MBR_TYPES[type] ?? 'unknown';
}

export function gptTypeName(guid: string): string {
  return GPT_TYPES[guid] ?? 'unknown';
}
