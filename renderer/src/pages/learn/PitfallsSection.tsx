// Section 7: the pitfalls, one paragraph each with the place in Lathe that detects or avoids it.
import type { JSX } from 'react';
import { PITFALLS } from './pitfalls-content';

export function PitfallsSection(): JSX.Element {
  return (
    <div className="learn-demo learn-pitfalls">
      {PITFALLS.map((p) => (
        <article key={p.id} className="learn-pitfall" data-testid={`learn-pitfall-${p.id}`}>
          <h3>{p.title}</h3>
          <p>{p.text}</p>
          <p className="form-hint">
            <strong>In Lathe:</strong> {p.where} {p.link && <a href={`#/${p.link.step}`}>{p.link.label}</a>}
          </p>
        </article>
      ))}
    </div>
  );
}
