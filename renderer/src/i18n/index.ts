// vue-i18n with the English messages. Composition API only; messages are compiled without eval (strict CSP).
import { createI18n } from 'vue-i18n';
import { en } from './en';

export function createAppI18n() {
  return createI18n({ legacy: false, locale: 'en', fallbackLocale: 'en', messages: { en } });
}
