// Opens a Pathways lesson ready to use: when a learner opens one of the course's released lessons, its activity
// cells run by themselves, so the role-play, sorting, checks and reflection show without Run > Run All Cells.
//
// Which notebooks: only paths matching the page-config option `pathwaysAutorunPattern`, which the learners'
// JupyterLab settings give (grading/delivery/learner/lab_settings/page_config.json); without it this does nothing.
// Which cells: only nbgrader-locked cells that neither grade nor hold a solution, i.e. the lesson's own read-only
// activity cells. The instructor's marking cells and anything a learner typed never run by themselves.
import { CodeCell } from '@jupyterlab/cells';
import { PageConfig } from '@jupyterlab/coreutils';
import { INotebookTracker } from '@jupyterlab/notebook';

function activityCells(panel) {
  return panel.content.widgets.filter(cell => {
    const nbgrader = cell.model.getMetadata('nbgrader') || {};
    return cell.model.type === 'code' && nbgrader.locked === true && !nbgrader.grade && !nbgrader.solution;
  });
}

async function runLesson(panel) {
  await panel.context.ready;
  await panel.sessionContext.ready;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel) {
    return;
  }
  await kernel.info; // the kernel has answered: code sent now is not dropped while it still connects
  for (const cell of activityCells(panel)) {
    try {
      await CodeCell.execute(cell, panel.sessionContext);
    } catch (error) {
      console.warn('pathways: an activity cell did not run', error);
    }
  }
}

export default {
  id: 'pathways-lesson-autorun:plugin',
  description: "Runs a released Pathways lesson's activity cells when it opens.",
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app, tracker) => {
    const pattern = PageConfig.getOption('pathwaysAutorunPattern');
    if (!pattern) {
      return;
    }
    const lessons = new RegExp(pattern);
    tracker.widgetAdded.connect((_, panel) => {
      if (lessons.test(panel.context.path)) {
        void runLesson(panel);
      }
    });
  }
};
