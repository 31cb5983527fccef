// Section 7: the pitfalls, one paragraph each with the place in Lathe that detects or avoids it. Reward hacking links
// to the reward chart of the project's newest GRPO run, where it shows.
import type { JSX } from 'react';
import type { Project, Run } from '../../../../main/api/contract';
import { api } from '../../api/client';
import { useApiQuery } from '../../hooks/useApiQuery';
import { PITFALLS } from './pitfalls-content';
import { rewardChartLink } from './reward-chart-link';

export function PitfallsSection({ project }: { project?: Project }): JSX.Element {
  const runs = useApiQuery(() => (project ? api.runs.list({ projectId: project.id }) : Promise.resolve([] as Run[])));
  return (
    <div className="learn-demo learn-pitfalls">
      {PITFALLS.map((p) => {
        const link = p.id === 'reward-hacking' ? rewardChartLink(runs.data ?? []) : p.link && { href: `#/${p.link.step}`, label: p.link.label };
        return (
          <article key={p.id} className="learn-pitfall" data-testid={`learn-pitfall-${p.id}`}>
            <h3>{p.title}</h3>
            <p>{p.text}</p>
            <p className="form-hint">
              <strong>In Lathe:</strong> {p.where} {link && <a href={link.href}>{link.label}</a>}
            </p>
          </article>
        );
      })}
    </div>
  );
}
