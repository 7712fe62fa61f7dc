{
  "targets": [
    {
      "target_name": "platter_seek",
      "sources": ["seek.c"],
      "conditions": [["OS=='win'", { "defines": ["PLATTER_NO_SEEK_HOLE"] }]]
    }
  ]
}
