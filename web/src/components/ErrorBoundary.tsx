import { Component, Fragment, useEffect, useId, useRef, useSyncExternalStore, type ErrorInfo, type ReactNode } from 'react';
import { clearFailure, InjectedFailure, isFailing, subscribeFailures, type FailurePart } from '../lib/failures';
import { reportClientError } from '../telemetry/clientTelemetry';
import { Icon } from './icons';

export interface ErrorBoundaryProps {
  /** Which part this is: the report says so, and the test hook finds it by this name. */
  name: FailurePart;
  /** One short sentence under "Something went wrong": what stopped, and what still works. */
  explanation: string;
  /** Classes for the panel shown in the part's place, so it fills the same space. */
  className?: string;
  children: ReactNode;
}

interface ErrorBoundaryState {
  failed: boolean;
  /** Bumped by "Try again": a new key mounts the part afresh. */
  attempt: number;
}

/** Throws while the test hook has flagged this part (lib/failures.ts). */
function FailurePoint({ part }: { part: FailurePart }) {
  const failing = useSyncExternalStore(
    subscribeFailures,
    () => isFailing(part),
    () => false,
  );
  if (failing) throw new InjectedFailure(part);
  return null;
}

/** "Something went wrong", what it means, and "Try again". */
export function ErrorPanel({ explanation, className, onRetry }: { explanation: string; className?: string; onRetry(): void }) {
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    // Focus was inside the part that just went away: keep it where the person can act.
    if (typeof document !== 'undefined' && (document.activeElement === null || document.activeElement === document.body)) {
      button.current?.focus({ preventScroll: true });
    }
  }, []);
  return (
    <div className={`error-panel${className ? ` ${className}` : ''}`} role="group" aria-labelledby={`${id}-title`}>
      <div role="alert" className="error-panel-text">
        <p id={`${id}-title`} className="error-panel-title">
          <Icon name="alert" className="icon error-panel-icon" />
          Something went wrong
        </p>
        <p id={`${id}-explanation`} className="error-panel-explanation">
          {explanation}
        </p>
      </div>
      <button ref={button} type="button" className="button secondary" aria-describedby={`${id}-explanation`} onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

/**
 * A part of the page that fails on its own: an exception while rendering it (or in its
 * effects) shows "Something went wrong" in its place, reports the error, and leaves the
 * rest of the page running. "Try again" mounts the part afresh. Renders its children
 * without a wrapper, so layouts see the part itself.
 */
export class ErrorBoundary extends Component<ErrorBoundaryProps, ErrorBoundaryState> {
  override state: ErrorBoundaryState = { failed: false, attempt: 0 };

  static getDerivedStateFromError(): Partial<ErrorBoundaryState> {
    return { failed: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    clearFailure(this.props.name);
    reportClientError(error, { where: this.props.name, componentStack: info.componentStack ?? undefined });
  }

  private readonly retry = () => {
    this.setState((state) => ({ failed: false, attempt: state.attempt + 1 }));
  };

  override render(): ReactNode {
    if (this.state.failed) {
      return <ErrorPanel explanation={this.props.explanation} className={this.props.className} onRetry={this.retry} />;
    }
    return (
      <Fragment key={this.state.attempt}>
        {__PARLOR_TEST_HOOKS__ && <FailurePoint part={this.props.name} />}
        {this.props.children}
      </Fragment>
    );
  }
}
