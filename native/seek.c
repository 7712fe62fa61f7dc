// lseek(SEEK_DATA / SEEK_HOLE) for Node, which lacks it: lets Platter skip the holes of sparse files the way
// qemu-img does instead of reading gigabytes of zeros.
#ifndef PLATTER_NO_SEEK_HOLE
#define _GNU_SOURCE // SEEK_DATA and SEEK_HOLE; must come before any system header
#define _FILE_OFFSET_BITS 64
#include <unistd.h>
#endif
#include <errno.h>
#include <string.h>
#include "addon.h"

// seek(fd, offset, wantData) -> the next data (or hole) offset at or after `offset`; -1 when there is none
// (ENXIO: past the last data); throws on other errors, including EINVAL where the file system cannot tell.
napi_value Seek(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd = 0;
  int64_t offset = 0;
  bool wantData = true;
  if (argc < 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &offset) != napi_ok ||
      napi_get_value_bool(env, argv[2], &wantData) != napi_ok) {
    napi_throw_type_error(env, NULL, "seek(fd, offset, wantData)");
    return NULL;
  }
  napi_value result;
#ifdef PLATTER_NO_SEEK_HOLE
  napi_throw_error(env, "ENOTSUP", "SEEK_DATA is not available on this system");
  return NULL;
#else
  off_t r = lseek(fd, (off_t)offset, wantData ? SEEK_DATA : SEEK_HOLE);
  if (r < 0) {
    if (errno == ENXIO) {
      napi_create_int64(env, -1, &result);
      return result;
    }
    napi_throw_error(env, errno == EINVAL ? "EINVAL" : "EIO", strerror(errno));
    return NULL;
  }
  napi_create_int64(env, (int64_t)r, &result);
  return result;
#endif
}
