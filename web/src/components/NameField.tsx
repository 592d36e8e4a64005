import { forwardRef, useId } from 'react';

interface NameFieldProps {
  value: string;
  onChange(value: string): void;
  error: string | null;
  autoFocus?: boolean;
}

/** "Your name", with its problem (if any) tied to the input for assistive technology. */
export const NameField = forwardRef<HTMLInputElement, NameFieldProps>(function NameField(
  { value, onChange, error, autoFocus },
  ref,
) {
  const id = useId();
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>Your name</label>
      <input
        ref={ref}
        id={id}
        name="displayName"
        type="text"
        autoComplete="nickname"
        spellCheck={false}
        autoFocus={autoFocus}
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error !== null}
        aria-describedby={error !== null ? errorId : undefined}
        placeholder="How others will see you"
      />
      {error !== null && (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
});
