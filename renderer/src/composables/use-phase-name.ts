// What a job's phase reads as: "converting" is "Converting"; a phase without a name of its own reads as it is sent.
import { useI18n } from 'vue-i18n';

export function usePhaseName() {
  const { t, te } = useI18n();
  return (phase: string): string => {
    const key = `progress.phases.${phase.replace(/\s+/g, '-')}`;
    if (te(key)) return t(key);
    return phase === '' ? t('progress.phases.working') : phase.charAt(0).toUpperCase() + phase.slice(1);
  };
}
