// Which wizard step is showing, kept in the URL hash so reloads and the back button keep the user's place.
import { useCallback, useEffect, useState } from 'react';
import { PAGES, type PageId } from '../steps';

function parse(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return PAGES.find((s) => s.id === id)?.id ?? 'projects';
}

export function useRoute(): { step: PageId; go: (step: PageId) => void } {
  const [step, setStep] = useState<PageId>(() => parse(window.location.hash));
  useEffect(() => {
    const onHash = () => setStep(parse(window.location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const go = useCallback((next: PageId) => {
    window.location.hash = `#/${next}`;
  }, []);
  return { step, go };
}
