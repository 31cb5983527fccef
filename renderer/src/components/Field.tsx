// Form field pieces: a labelled input wrapper and the inline error that shows the server's message and its hint.
import type { JSX, ReactNode } from 'react';
import type { ApiError } from '../api/errors';
import { Icon } from './Icon';

/**
 * `context` is the method the form called: the server prefixes its validation messages with it ("projects.create: name
 * must not be empty."), which is useful in logs and the CLI but noise next to the field it is about.
 */
export function ErrorText({ error, id, context }: { error: ApiError; id?: string; context?: string }): JSX.Element {
  let message = error.message;
  if (context && message.startsWith(`${context}: `)) {
    message = message.slice(context.length + 2);
    message = message.charAt(0).toUpperCase() + message.slice(1);
  }
  return (
    <div className="field-error" id={id} role="alert" data-testid="field-error" data-code={error.code}>
      <Icon name="alert" size={14} />
      <div>
        <div className="field-error-message">{message}</div>
        {error.hint && <div className="field-error-hint">{error.hint}</div>}
      </div>
    </div>
  );
}

export function Field(props: { label: string; htmlFor: string; optional?: boolean; children: ReactNode; aside?: ReactNode }): JSX.Element {
  return (
    <div className="field">
      <div className="field-head">
        <label htmlFor={props.htmlFor} className="field-label">
          {props.label}
          {props.optional && <span className="field-optional"> (optional)</span>}
        </label>
        {props.aside}
      </div>
      {props.children}
    </div>
  );
}
