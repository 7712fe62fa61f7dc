#ifndef PLATTER_ADDON_H
#define PLATTER_ADDON_H
#define NAPI_VERSION 8
#include <node_api.h>

// seek(fd, offset, wantData): lseek SEEK_DATA / SEEK_HOLE (seek.c).
napi_value Seek(napi_env env, napi_callback_info info);
// writeback(fd, offset, length): sync_file_range SYNC_FILE_RANGE_WRITE on a worker thread (writeback.c).
napi_value Writeback(napi_env env, napi_callback_info info);
// pageOffset(view): the start address of a typed array's bytes modulo the page size (align.c).
napi_value PageOffset(napi_env env, napi_callback_info info);
// deviceSize(fd): the size in bytes of an open block device (device.c).
napi_value DeviceSize(napi_env env, napi_callback_info info);
// sharedLock(fd, offset, length) and lockedByOthers(fd, offset, length): OFD byte locks (lock.c).
napi_value SharedLock(napi_env env, napi_callback_info info);
napi_value LockedByOthers(napi_env env, napi_callback_info info);

#endif
