// Which wizard step is showing, kept in the URL hash so reloads and the back button keep the user's place.
import { useCallback, useEffect, useState } from 'react';
import { STEPS, type StepId } from '../steps';

function parse(hash: string): StepId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (STEPS.find((s) => s.id === id)?.id ?? 'projects') as StepId;
}

export function useRoute(): { step: StepId; go: (step: StepId) => void } {
  const [step, setStep] = useState<StepId>(() => parse(window.location.hash));
  useEffect(() => {
    const onHash = () => setStep(parse(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const go = useCallback((next: StepId) => {
    window.location.hash = `#/${next}`;
  }, []);
  return { step, go };
}
