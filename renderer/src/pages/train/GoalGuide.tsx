// The New run form's first question: "What do you want to change?" Each answer picks the objective and its starting
// settings (layered over the preset), explains the lever, and warns when the chosen dataset does not fit it.
import type { JSX } from 'react';
import { Icon } from '../../components/Icon';
import { GOALS, dataWarning, goalById, type GoalId } from './goals';
import { LearnLink } from '../learn/LearnLink';

export function GoalGuide(props: { goalId: GoalId; onChange: (id: GoalId) => void; datasetFormat: string | undefined }): JSX.Element {
  const goal = goalById(props.goalId);
  const warning = dataWarning(goal, props.datasetFormat);
  return (
    <div className="field" data-testid="goal-guide">
      <span className="field-label" id="goal-label">
        What do you want to change?
      </span>
      <div className="presets goals" role="radiogroup" aria-labelledby="goal-label">
        {GOALS.map((g) => (
          <label key={g.id} className={`preset${g.id === goal.id ? ' is-selected' : ''}`} data-testid={`goal-${g.id}`}>
            <input type="radio" name="goal" value={g.id} checked={g.id === goal.id} onChange={() => props.onChange(g.id)} className="sr-only" />
            <span className="preset-title">
              {g.label}
              {g.id === goal.id && <Icon name="check" size={14} />}
            </span>
          </label>
        ))}
      </div>
      <p className="form-hint" data-testid="goal-advice">
        {goal.advice}
        {goal.config?.objective && (
          <>
            {' '}
            Objective: <span className="mono">{goal.config.objective}</span>.
          </>
        )}{' '}
        <LearnLink section="lever">Fine-tune, RAG or prompt?</LearnLink>
      </p>
      {warning && (
        <p className="fit-warning" role="alert" data-testid="goal-data-warning">
          <Icon name="alert" size={14} /> {warning}
        </p>
      )}
    </div>
  );
}
