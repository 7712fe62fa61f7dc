{
  "targets": [
    {
      "target_name": "platter_native",
      "sources": ["addon.c", "align.c", "device.c", "lock.c", "seek.c", "writeback.c"],
      "conditions": [["OS=='win'", { "defines": ["PLATTER_NO_SEEK_HOLE"] }]]
    }
  ]
}
