// The size of a block device (a whole disk or a partition given as the source of a conversion): stat reports 0
// for devices, so the size comes from the device driver (Linux BLKGETSIZE64, macOS block count times block size),
// or from seeking to the end where neither exists.
#if defined(__linux__)
#define _FILE_OFFSET_BITS 64
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <unistd.h>
#elif defined(__APPLE__)
#include <sys/disk.h>
#include <sys/ioctl.h>
#include <unistd.h>
#endif
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "addon.h"

// deviceSize(fd) -> bytes; throws with the system's reason where the size cannot be told.
napi_value DeviceSize(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "deviceSize(fd)");
    return NULL;
  }
  int64_t bytes = -1;
  int error = ENOTSUP;
#if defined(__linux__)
  uint64_t size = 0;
  if (ioctl(fd, BLKGETSIZE64, &size) == 0) bytes = (int64_t)size;
  else error = errno;
#elif defined(__APPLE__)
  uint64_t count = 0;
  uint32_t blockSize = 0;
  if (ioctl(fd, DKIOCGETBLOCKCOUNT, &count) == 0 && ioctl(fd, DKIOCGETBLOCKSIZE, &blockSize) == 0)
    bytes = (int64_t)(count * blockSize);
  else error = errno;
#endif
#if defined(__linux__) || defined(__APPLE__)
  if (bytes < 0) {
    off_t end = lseek(fd, 0, SEEK_END);
    if (end > 0) bytes = (int64_t)end;
  }
#endif
  if (bytes < 0) {
    napi_throw_error(env, "ENOTSUP", strerror(error));
    return NULL;
  }
  napi_value result;
  napi_create_int64(env, bytes, &result);
  return result;
}
