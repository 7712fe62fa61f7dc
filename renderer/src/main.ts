// The renderer's entry: Vue, Pinia, vue-i18n, the app's CSS (a linked stylesheet: the CSP allows no inline style).
import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { createAppI18n } from './i18n';
import './styles.css';

createApp(App).use(createPinia()).use(createAppI18n()).mount('#app');
