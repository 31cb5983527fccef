// The placeholder shown while a model folder is being read.
import type { JSX } from 'react';

export function SkeletonCard(): JSX.Element {
  return (
    <div className="card model-card skeleton" aria-busy="true" aria-label="Reading the model folder" data-testid="model-loading">
      <div className="skeleton-lines">
        <span />
        <span />
      </div>
      <div className="stat-row">
        {[0, 1, 2, 3, 4].map((i) => (
          <div key={i} className="stat">
            <div className="skeleton-lines">
              <span />
              <span />
            </div>
          </div>
        ))}
      </div>
    </div>
  );
}
