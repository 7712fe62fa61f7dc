// Platter's optional native addon: what Node's fs lacks that a disk copier needs. Plain N-API, so one
// build loads in Node and in Electron alike.
#define NAPI_VERSION 8
#include <node_api.h>
#include "addon.h"

static void Export(napi_env env, napi_value exports, const char* name, napi_callback fn) {
  napi_value value;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, fn, NULL, &value);
  napi_set_named_property(env, exports, name, value);
}

static napi_value Init(napi_env env, napi_value exports) {
  Export(env, exports, "seek", Seek);
  Export(env, exports, "writeback", Writeback);
  Export(env, exports, "pageOffset", PageOffset);
  Export(env, exports, "deviceSize", DeviceSize);
  Export(env, exports, "sharedLock", SharedLock);
  Export(env, exports, "lockedByOthers", LockedByOthers);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
