// The renderer's code runs in a browser: its tests (type-checked by tsconfig.json with the Node lib) need the DOM
// types and the .vue module declaration the renderer's own config has.
/// <reference lib="dom" />
/// <reference lib="dom.iterable" />

declare module '*.vue' {
  import type { DefineComponent } from 'vue';
  const component: DefineComponent<object, object, unknown>;
  export default component;
}
